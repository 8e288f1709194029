import { registry } from "@web/core/registry";

// An operator works a won HubSpot deal waiting for its payment terms mapping: Fix opens the mapping
// with HubSpot's terms filled in, they choose Odoo's, then Retry makes the sale order.
registry.category("web_tour.tours").add("erp_integration_hubspot_exception", {
    url: "/odoo/action-erp_integration_core.action_integration_exception",
    steps: () => [
        {
            content: "Open the portal's exceptions",
            trigger: ".o_group_name:contains('Fix tour portal')",
            run: "click",
        },
        {
            content: "Open the mapping category",
            trigger: ".o_group_name:contains('Mapping')",
            run: "click",
        },
        {
            content: "Open the deal's exchange",
            trigger: ".o_data_row td:contains('deal.propertyChange')",
            run: "click",
        },
        {
            content: "The message names the payment terms",
            trigger: ".o_form_view .alert:contains('30 days')",
        },
        {
            content: "Fix",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_fix']",
            run: "click",
        },
        {
            content: "The mapping opens with HubSpot's terms filled in",
            trigger: ".modal div[name='external_value'] input:value(\"30 days\")",
        },
        {
            content: "Map them to a payment term",
            trigger: ".modal div[name='odoo_record'] select",
            run: "select account.payment.term",
        },
        {
            content: "Choose 30 Days",
            trigger: ".modal div[name='odoo_record'] input",
            run: "edit 30 Days",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('30 Days')",
            run: "click",
        },
        {
            content: "Save the mapping",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Back on the exchange, Retry",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_retry']",
            run: "click",
        },
        {
            content: "The deal is imported",
            trigger: ".o_form_view div[name='state'] .o_arrow_button_current:contains('Done')",
        },
    ],
});
