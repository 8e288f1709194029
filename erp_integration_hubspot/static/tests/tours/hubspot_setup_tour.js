import { registry } from "@web/core/registry";

import {
    closeGuidedSetup,
    nextStep,
    openGuidedSetup,
} from "@erp_integration_core/../tests/tours/guided_setup_steps";

// An admin runs the guided set-up of a HubSpot backend from its form, step by step.
registry.category("web_tour.tours").add("erp_integration_hubspot_guided_setup", {
    url: "/odoo/action-erp_integration_core.action_integration_backend",
    steps: () => [
        ...openGuidedSetup("Set-up tour portal"),
        {
            content: "Credentials: paste the private app's access token",
            trigger: ".modal div[name='api_token'] input",
            run: "edit pat-sandbox-demo-token",
        },
        ...nextStep("Test connection", "The credentials are filled in"),
        ...nextStep("Mappings to review", "HubSpot portal 62515"),
        {
            content: "The private app has every scope; the portal's deal stages are proposed with their outcome",
            trigger: ".modal .o_setup_previous:contains('every scope it needs is granted')",
        },
        {
            trigger: ".modal .o_setup_mappings .o_data_row:contains('closedwon') td[name='odoo_value']:contains('won')",
        },
        {
            content: "A deal currency Odoo does not use is left empty, highlighted",
            trigger: ".modal .o_setup_mappings .o_data_row.text-warning td[name='external_value']:contains('EUR')",
        },
        ...nextStep("Webhooks", "Reviewed"),
        ...nextStep("Flows on", "deal.propertyChange"),
        ...nextStep("Finished", "Send invoice status to deals"),
        ...closeGuidedSetup(),
    ],
});
