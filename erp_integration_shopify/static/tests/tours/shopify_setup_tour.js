import { registry } from "@web/core/registry";

import {
    closeGuidedSetup,
    nextStep,
    openGuidedSetup,
} from "@erp_integration_core/../tests/tours/guided_setup_steps";

// An admin runs the guided set-up of a Shopify backend from its form, step by step.
registry.category("web_tour.tours").add("erp_integration_shopify_guided_setup", {
    url: "/odoo/action-erp_integration_core.action_integration_backend",
    steps: () => [
        ...openGuidedSetup("Set-up tour shop"),
        {
            content: "Credentials: paste the app's Admin API token",
            trigger: ".modal div[name='api_token'] input",
            run: "edit shpat_sandbox_demo_token",
        },
        ...nextStep("Test connection", "The credentials are filled in"),
        ...nextStep("Mappings to review", "currency GBP"),
        {
            content: "The store answered; its mappings are proposed, the empty ones highlighted",
            trigger: ".modal .o_setup_mappings .o_data_row.text-warning:contains('(no tax)')",
        },
        ...nextStep("Webhooks", "Reviewed"),
        ...nextStep("Flows on", "webhooks subscribed"),
        ...nextStep("Finished", "Flows on"),
        ...closeGuidedSetup(),
    ],
});
