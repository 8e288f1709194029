"""The HubSpot channel's default field mappings: HubSpot properties to Odoo partner fields.

Editable on the backend (Configuration > Field mappings); until a backend has
its own for a flow, these apply. ``company``: a HubSpot company's properties,
with ``vat`` its VAT number once checked. ``contact``: a contact's properties,
with ``name`` their first and last name.
"""

COMPANY = "company"
CONTACT = "contact"

_ADDRESS = [
    {"name": "Street", "source": "address", "target": "street", "transform": "direct"},
    {"name": "City", "source": "city", "target": "city", "transform": "direct"},
    {"name": "Postcode", "source": "zip", "target": "zip", "transform": "direct"},
    {
        "name": "Country",
        "source": "country",
        "target": "country_id",
        "transform": "record",
        "record_model": "res.country",
        "record_field": "name",
    },
    {"name": "Phone", "source": "phone", "target": "phone", "transform": "direct"},
]

DEFAULTS = {
    COMPANY: [
        {"name": "Name", "source": "name", "target": "name", "transform": "direct", "required": True},
        {"name": "Website", "source": "domain", "target": "website", "transform": "direct"},
        {"name": "VAT number", "source": "vat", "target": "vat", "transform": "direct"},
        {
            "name": "Company registration number",
            "source": "company_registration_number",
            "target": "company_registry",
            "transform": "direct",
        },
        *_ADDRESS,
    ],
    CONTACT: [
        {"name": "Name", "source": "name", "target": "name", "transform": "direct", "required": True},
        {"name": "E-mail", "source": "email", "target": "email", "transform": "direct"},
        {"name": "Job position", "source": "jobtitle", "target": "function", "transform": "direct"},
        *_ADDRESS,
    ],
}
