import { registry } from "@web/core/registry";

// An operator works a Shopify order waiting for its tax mapping: Fix opens the mapping with the tax
// filled in, they choose the Odoo tax, then Retry imports the order.
registry.category("web_tour.tours").add("erp_integration_shopify_exception", {
    url: "/odoo/action-erp_integration_core.action_integration_exception",
    steps: () => [
        {
            content: "Open the shop's exceptions",
            trigger: ".o_group_name:contains('Fix tour shop')",
            run: "click",
        },
        {
            content: "Open the VAT anomalies",
            trigger: ".o_group_name:contains('VAT anomaly')",
            run: "click",
        },
        {
            content: "Open the order's exchange",
            trigger: ".o_data_row td:contains('orders/create')",
            run: "click",
        },
        {
            content: "The message names the missing tax mapping",
            trigger: ".o_form_view .alert:contains('GB VAT')",
        },
        {
            content: "Fix",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_fix']",
            run: "click",
        },
        {
            content: "The mapping opens with Shopify's tax filled in",
            trigger: ".modal div[name='external_value'] input:value(\"GB VAT\")",
        },
        {
            content: "Map it to a tax",
            trigger: ".modal div[name='odoo_record'] select",
            run: "select account.tax",
        },
        {
            content: "Choose the 20% sales tax",
            trigger: ".modal div[name='odoo_record'] input",
            run: "edit 20% S (test)",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('20% S (test)')",
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
            content: "The order is imported",
            trigger: ".o_form_view div[name='state'] .o_arrow_button_current:contains('Done')",
        },
    ],
});
