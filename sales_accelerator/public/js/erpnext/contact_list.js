sales_accelerator.add_list_connect("Contact");
