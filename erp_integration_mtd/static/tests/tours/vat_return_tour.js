import { registry } from "@web/core/registry";

// A finance user opens a period's VAT return, reads its nine boxes, opens box 1's journal items and finds the
// invoice the integration posted with no exchange behind it flagged.
registry.category("web_tour.tours").add("erp_integration_mtd_vat_return", {
    url: "/odoo/action-erp_integration_mtd.action_integration_vat_return",
    steps: () => [
        {
            content: "Open the period's return",
            trigger: ".o_data_row td[name='name']:contains('2026-11-01')",
            run: "click",
        },
        {
            content: "Box 1, the VAT due on sales: both invoices",
            trigger: ".o_form_view .o_field_widget[name='box1']:contains('30.00')",
        },
        {
            content: "Box 6, the sales before VAT, in whole pounds",
            trigger: ".o_form_view .o_field_widget[name='box6']:contains('150.00')",
        },
        {
            content: "All nine boxes are there",
            trigger: [1, 2, 3, 4, 5, 6, 7, 8, 9]
                .map((box) => `:has(.o_field_widget[name='box${box}'])`)
                .reduce((selector, box) => selector + box, ".o_form_view"),
        },
        {
            content: "The return says one document needs a look",
            trigger: ".o_form_view .o_field_widget[name='flagged_count']:contains('2')",
        },
        {
            content: "Drill into box 1",
            trigger: ".o_form_view div:has(> .o_field_widget[name='box1']) button[name='action_open_box']",
            run: "click",
        },
        {
            content: "Box 1's journal items",
            trigger: ".o_breadcrumb:contains('box 1')",
        },
        {
            content: "The invoice the shop's order posted is traced to its payload",
            trigger: ".o_list_view .o_data_row:contains('#3001'):not(:contains('no exchange behind it'))",
        },
        {
            content: "The invoice posted with no exchange behind it is flagged",
            trigger: ".o_list_view .o_data_row:contains('Posted by the integration, no exchange behind it')",
        },
    ],
});
