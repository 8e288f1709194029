"""The Shopify channel's default field mappings, installed on a backend by Set up and editable there.

``customer``: a new Odoo customer from a Shopify order's buyer. The source is
``{"name", "email", "phone", "customer", "address"}``: the buyer's name, e-mail
and phone as the order gives them, Shopify's customer object, and the billing
(else shipping, else default) address.
"""

CUSTOMER = "customer"

DEFAULTS = {
    CUSTOMER: [
        {"name": "Name", "source": "name", "target": "name", "transform": "direct", "required": True},
        {"name": "E-mail", "source": "email", "target": "email", "transform": "direct"},
        {"name": "Phone", "source": "phone", "target": "phone", "transform": "direct"},
        {"name": "Street", "source": "address.address1", "target": "street", "transform": "direct"},
        {"name": "Street 2", "source": "address.address2", "target": "street2", "transform": "direct"},
        {"name": "City", "source": "address.city", "target": "city", "transform": "direct"},
        {"name": "Postcode", "source": "address.zip", "target": "zip", "transform": "direct"},
        {
            "name": "Country",
            "source": "address.country_code",
            "target": "country_id",
            "transform": "record",
            "record_model": "res.country",
            "record_field": "code",
        },
        {"name": "Company", "source": "address.company", "target": "company_name", "transform": "direct"},
    ],
}
