import { registry } from "@web/core/registry";

// An operator finds a mapping exception in the queue, reads its message and retries it.
registry.category("web_tour.tours").add("erp_integration_exception_retry", {
    url: "/odoo/action-erp_integration_core.action_integration_exception",
    steps: () => [
        {
            content: "Open the backend's group",
            trigger: ".o_group_name:contains('Toy shop')",
            run: "click",
        },
        {
            content: "Open the mapping category",
            trigger: ".o_group_name:contains('Mapping')",
            run: "click",
        },
        {
            content: "Open the exception",
            trigger: ".o_data_row td:contains('contact')",
            run: "click",
        },
        {
            content: "The message says what to fix",
            trigger: ".o_form_view .alert:contains('has no Odoo mapping')",
        },
        {
            content: "Retry",
            trigger: ".o_form_view button[name='action_retry']",
            run: "click",
        },
        {
            content: "The exchange is queued again",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name='action_retry']))",
        },
    ],
});
