import { registry } from "@web/core/registry";

import {
    closeGuidedSetup,
    nextStep,
    openGuidedSetup,
} from "@erp_integration_core/../tests/tours/guided_setup_steps";

// An admin runs the guided set-up of a REST warehouse backend from its form, step by step.
registry.category("web_tour.tours").add("erp_integration_threepl_guided_setup", {
    url: "/odoo/action-erp_integration_core.action_integration_backend",
    steps: () => [
        ...openGuidedSetup("Set-up tour warehouse"),
        {
            content: "Credentials: paste the warehouse's API key",
            trigger: ".modal div[name='api_token'] input",
            run: "edit ms-sandbox-demo-key",
        },
        ...nextStep("Test connection", "The credentials are filled in"),
        ...nextStep("Mappings to review", "REST API answering"),
        ...nextStep("Webhooks", "Reviewed"),
        ...nextStep("Flows on", "booking-in callbacks to"),
        ...nextStep("Finished", "Follow shipments at the warehouse"),
        ...closeGuidedSetup(),
    ],
});
