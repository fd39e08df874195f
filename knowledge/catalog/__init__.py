"""The procedure catalog: parsing the national export, importing it, measuring coverage."""
