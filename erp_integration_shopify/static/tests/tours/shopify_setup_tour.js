import { registry } from "@web/core/registry";

// An admin runs the guided set-up of a Shopify backend from its form, step by step.
registry.category("web_tour.tours").add("erp_integration_shopify_guided_setup", {
    url: "/odoo/action-erp_integration_core.action_integration_backend",
    steps: () => [
        {
            content: "Open the backend",
            trigger: ".o_data_row td:contains('Set-up tour shop')",
            run: "click",
        },
        {
            content: "Start the guided set-up",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_guided_setup']",
            run: "click",
        },
        {
            content: "Credentials: paste the app's Admin API token",
            trigger: ".modal div[name='api_token'] input",
            run: "edit shpat_sandbox_demo_token",
        },
        {
            trigger: ".modal button[name='action_next']",
            run: "click",
        },
        {
            content: "Test connection",
            trigger: ".modal .o_statusbar_status .o_arrow_button_current:contains('Test connection')",
        },
        {
            trigger: ".modal button[name='action_next']",
            run: "click",
        },
        {
            content: "The store answered; its mappings are proposed, the empty ones highlighted",
            trigger: ".modal .o_setup_previous:contains('currency GBP')",
        },
        {
            trigger: ".modal .o_setup_mappings .o_data_row.text-warning:contains('(no tax)')",
        },
        {
            content: "Reviewed",
            trigger: ".modal button[name='action_next']",
            run: "click",
        },
        {
            content: "Webhooks",
            trigger: ".modal .o_statusbar_status .o_arrow_button_current:contains('Webhooks')",
        },
        {
            trigger: ".modal button[name='action_next']",
            run: "click",
        },
        {
            content: "Subscribed; now the flows",
            trigger: ".modal .o_setup_previous:contains('webhooks subscribed')",
        },
        {
            trigger: ".modal button[name='action_next']",
            run: "click",
        },
        {
            content: "Every step is done",
            trigger: ".modal .o_statusbar_status .o_arrow_button_current:contains('Finished')",
        },
        {
            trigger: ".modal .o_data_row:contains('Flows on'):contains('Done')",
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The backend form says the set-up is done",
            trigger: "body:not(:has(.modal)) .o_notebook a:contains('Guided set-up')",
            run: "click",
        },
        {
            trigger: ".o_form_view div[name='setup_progress']:contains('Done')",
        },
    ],
});
