"""A finance user reads a VAT return in the browser: the nine boxes, a box's journal items, a flagged one."""

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.erp_integration_core.tests.common import make_toy_backend
from odoo.addons.erp_integration_core.work import EXCHANGE

from .common import uk_company


@tagged("post_install", "-at_install")
class TestVatReturnUi(HttpCase):
    def posted_by_the_integration(self, backend, customer, tax, price, number, linked=True):
        """An invoice posted while an order's exchange was processed, linked to it unless ``linked`` is False."""
        exchange = self.env["integration.exchange"].create(
            {
                "backend_id": backend.id,
                "direction": "in",
                "flow": "orders/create",
                "idempotency_key": f"orders/create:{number}",
                "external_id": number,
                "payload": "{}",
                "state": "done",
            }
        )
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": backend.company_id.id,
                "partner_id": customer.id,
                "invoice_date": "2026-11-12",
                "date": "2026-11-12",
                "invoice_line_ids": [(0, 0, {"name": "Tea caddy", "price_unit": price, "tax_ids": [(6, 0, tax.ids)]})],
            }
        )
        move.with_context(**{EXCHANGE: exchange.id}).action_post()
        if linked:
            exchange._link(move, "created")
        return move

    def test_a_finance_user_reads_the_nine_boxes_and_drills_into_a_box_to_a_flagged_line(self):
        company, (st20, _st5, _st0, _pt20) = uk_company(self.env, name="Brightwater Tour Ltd")
        self.env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        customer = self.env["res.partner"].create({"name": "Harbour Tea Rooms", "country_id": self.ref("base.uk")})
        backend = make_toy_backend(self.env, name="Shop", company_id=company.id)
        self.posted_by_the_integration(backend, customer, st20, 100.00, "#3001")
        lost = self.posted_by_the_integration(backend, customer, st20, 50.00, "#3002", linked=False)
        vat_return = self.env["integration.vat.return"].create(
            {"company_id": company.id, "date_from": "2026-11-01", "date_to": "2026-11-30"}
        )
        vat_return.action_compute()
        self.assertEqual((vat_return.box1, vat_return.box6), (30.00, 150.00))
        self.assertEqual(vat_return.line_ids.filtered("flag").move_id, lost)
        new_test_user(
            self.env,
            "fiona_vat",
            name="Fiona Finance",
            groups="base.group_user,account.group_account_manager",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        self.start_tour("/odoo", "erp_integration_mtd_vat_return", login="fiona_vat")
