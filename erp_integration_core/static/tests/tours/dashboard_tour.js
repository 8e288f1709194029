import { registry } from "@web/core/registry";

// An operator sees a backend's exceptions on the dashboard, opens the list behind the figure and the fix.
registry.category("web_tour.tours").add("erp_integration_dashboard", {
    url: "/odoo/integration-dashboard",
    steps: () => [
        {
            content: "The week's figures of the backend, its chart drawn",
            trigger: ".o_integration_backend[data-backend-name='Toy shop'] .o_integration_dashboard_chart canvas",
        },
        {
            content: "A flow that never ran is not called a success",
            trigger:
                ".o_integration_backend[data-backend-name='Toy shop'] tr:contains('Push contacts') span.text-muted:contains('Not run yet')",
        },
        {
            content: "Open the exchanges needing attention",
            trigger:
                ".o_integration_backend[data-backend-name='Toy shop'] .o_integration_figure[data-figure='needs_attention']:contains(1)",
            run: "click",
        },
        {
            content: "The list says what it shows",
            trigger: ".o_breadcrumb:contains('Toy shop: needing attention')",
        },
        {
            content: "The exchange counted, with what must be fixed",
            trigger: ".o_list_view .o_data_row td[name='fix_key']:contains('mapping:country:XX')",
        },
        {
            content: "Fix it",
            trigger: ".o_list_view .o_data_row button[name='action_fix']",
            run: "click",
        },
        {
            content: "The value mapping to add, its external value filled in",
            trigger: ".modal .o_field_widget[name='external_value'] input:value(XX)",
        },
    ],
});
