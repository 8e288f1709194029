import { registry } from "@web/core/registry";

// An auditor's manager sees the sealing lag, seals, and filters the trail on last quarter.
registry.category("web_tour.tours").add("erp_integration_audit_trail", {
    url: "/odoo/action-erp_integration_core.action_integration_audit_log",
    steps: () => [
        {
            content: "The banner says entries wait for the sealer",
            trigger: ".o_integration_sealing_banner:contains('not yet sealed')",
        },
        {
            content: "The entries read as words",
            trigger: ".o_data_row:contains('Exchange: parked for review')",
        },
        {
            content: "Seal now",
            trigger: ".o_integration_seal_now",
            run: "click",
        },
        {
            content: "Every entry is sealed",
            trigger: ".o_integration_sealing_banner:contains('Every entry is sealed')",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Open the period filter",
            trigger: ".o_accordion_toggle:contains('Period')",
            run: "click",
        },
        {
            content: "Last quarter",
            trigger: ".o_item_option:contains('Last quarter')",
            run: "click",
        },
        {
            content: "Last quarter's entry is listed, this month's is not",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains('parked for review'))) .o_data_row:contains('Flow run completed')",
        },
    ],
});
