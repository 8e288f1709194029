import { registry } from "@web/core/registry";

// An operator works a delivery waiting for the warehouse's name of a unit: Fix opens the mapping with
// the Odoo unit filled in, they type the warehouse's name, then Retry sends the delivery.
registry.category("web_tour.tours").add("erp_integration_threepl_exception", {
    url: "/odoo/action-erp_integration_core.action_integration_exception",
    steps: () => [
        {
            content: "Open the warehouse's exceptions",
            trigger: ".o_group_name:contains('Fix tour warehouse')",
            run: "click",
        },
        {
            content: "Open the business rule category",
            trigger: ".o_group_name:contains('Business rule')",
            run: "click",
        },
        {
            content: "Open the delivery's exchange",
            trigger: ".o_data_row td:contains('shipment.create')",
            run: "click",
        },
        {
            content: "The message names the unit",
            trigger: ".o_form_view .alert:contains('Dozens')",
        },
        {
            content: "Fix",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_fix']",
            run: "click",
        },
        {
            content: "The mapping opens with the Odoo unit filled in",
            trigger: ".modal div[name='odoo_record'] input:value(\"Dozens\")",
        },
        {
            content: "Type the warehouse's name for it",
            trigger: ".modal div[name='external_value'] input",
            run: "edit DOZEN",
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
            content: "The delivery is at the warehouse",
            trigger: ".o_form_view div[name='state'] .o_arrow_button_current:contains('Done')",
        },
    ],
});
