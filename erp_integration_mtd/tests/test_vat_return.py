"""The nine boxes of a UK VAT return from real posted invoices and bills, and their digital links."""

import base64
import io

import openpyxl
from psycopg2.errors import CheckViolation

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.erp_integration_core.tests.common import make_toy_backend
from odoo.addons.erp_integration_core.work import EXCHANGE

from .common import post, uk_company


@tagged("post_install", "-at_install")
class TestVatReturn(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company, (cls.st20, cls.st5, cls.st0, cls.pt20) = uk_company(cls.env)
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.customer = cls.env["res.partner"].create({"name": "Ada Lovell", "country_id": cls.env.ref("base.uk").id})
        cls.supplier = cls.env["res.partner"].create({"name": "Kiln & Co", "country_id": cls.env.ref("base.uk").id})

    def post(self, move_type, lines, date="2026-11-10"):
        partner = self.customer if move_type.startswith("out") else self.supplier
        return post(self.env, partner, move_type, lines, date)

    def vat_return(self, start="2026-11-01", end="2026-11-30"):
        vat_return = self.env["integration.vat.return"].create({"date_from": start, "date_to": end})
        vat_return.action_compute()
        return vat_return

    def test_the_nine_boxes_from_sales_purchases_and_a_credit_note_to_the_penny(self):
        self.post("out_invoice", [(100.99, self.st20), (40.00, self.st5), (30.00, self.st0)])
        self.post("out_refund", [(10.00, self.st20)])
        self.post("in_invoice", [(50.00, self.pt20)])
        self.post("out_invoice", [(500.00, self.st20)], date="2026-12-02")  # the next period
        vat_return = self.vat_return()
        boxes = [vat_return[f"box{box}"] for box in range(1, 10)]
        # Box 1: 20.20 + 2.00 - 2.00; box 6: 100.99 + 40 + 30 - 10 = 160.99, in whole pounds.
        self.assertEqual(boxes, [20.20, 0.0, 20.20, 10.00, 10.20, 160.0, 50.0, 0.0, 0.0])
        self.assertFalse(vat_return.to_reclaim)
        box1 = vat_return.line_ids.filtered(lambda line: line.box == "1")
        self.assertAlmostEqual(sum(box1.mapped("amount")), 20.20, places=2)
        self.assertEqual(len(box1), 3, "the two invoices' VAT lines and the credit note's")
        self.assertEqual(box1.move_id.mapped("date"), [box1.move_id[0].date] * len(box1.move_id))

    def test_more_reclaimed_than_due_is_a_repayment(self):
        self.post("out_invoice", [(10.00, self.st20)])
        self.post("in_invoice", [(100.00, self.pt20)])
        vat_return = self.vat_return()
        self.assertEqual((vat_return.box3, vat_return.box4, vat_return.box5), (2.0, 20.0, 18.0))
        self.assertTrue(vat_return.to_reclaim)

    def test_a_box_opens_its_journal_items_and_an_integration_document_its_payload(self):
        keyed = self.post("out_invoice", [(20.00, self.st20)])
        received = self.post("out_invoice", [(30.00, self.st20)])
        backend = make_toy_backend(self.env, name="Shop", company_id=self.company.id)
        exchange = self.env["integration.exchange"].create(
            {
                "backend_id": backend.id,
                "direction": "in",
                "flow": "orders/create",
                "idempotency_key": "orders/create:1001",
                "external_id": "#1001",
                "payload": '{"id": 1001}',
                "state": "done",
            }
        )
        exchange._link(received, "created")
        vat_return = self.vat_return()
        self.assertEqual(vat_return.unlinked_count, 2, "the keyed invoice's VAT and base lines")
        action = vat_return.with_context(box="1").action_open_box()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(lines.move_id, keyed | received)
        [linked] = lines.filtered(lambda line: line.move_id == received)
        self.assertEqual(
            (linked.source_channel, linked.external_id, linked.payload_sha256, linked.exchange_ref),
            ("toy", "#1001", exchange.payload_sha256, exchange.id),
        )
        export = vat_return.action_export_csv()
        attachment = self.env["ir.attachment"].browse(int(export["url"].split("/")[3].split("?")[0]))
        text = base64.b64decode(attachment.datas).decode("utf-8-sig")
        self.assertIn("1,VAT due on sales and other outputs,10.00", text)
        self.assertIn(exchange.payload_sha256, text)
        export = vat_return.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(int(export["url"].split("/")[3].split("?")[0]))
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        self.assertEqual(workbook.sheetnames, ["Return", "Journal items"])
        self.assertEqual(
            [cell.value for cell in workbook["Return"][2]], ["1", "VAT due on sales and other outputs", 10.0]
        )
        items = list(workbook["Journal items"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(items), len(vat_return.line_ids))
        self.assertIn(exchange.payload_sha256, [row[7] for row in items], "the digital link, in the workbook too")

    def test_documents_the_integration_posted_that_lost_their_link_or_changed_since_are_flagged(self):
        backend = make_toy_backend(self.env, name="Shop", company_id=self.company.id)

        def posted_by_the_integration(price, number, linked=True):
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
                    "partner_id": self.customer.id,
                    "invoice_date": "2026-11-12",
                    "date": "2026-11-12",
                    "invoice_line_ids": [
                        (0, 0, {"name": "Goods", "price_unit": price, "tax_ids": [(6, 0, self.st20.ids)]})
                    ],
                }
            )
            move.with_context(**{EXCHANGE: exchange.id}).action_post()
            if linked:
                exchange._link(move, "created")
            return move, exchange

        kept, exchange = posted_by_the_integration(10.00, "#2001")
        [audited] = self.env["integration.audit.log"].search([("event", "=", "move.posted"), ("res_id", "=", kept.id)])
        self.assertEqual(audited.exchange_id, exchange, "the posting is in the chain against its exchange")
        lost, _exchange = posted_by_the_integration(20.00, "#2002", linked=False)
        edited, _exchange = posted_by_the_integration(30.00, "#2003")
        edited.button_draft()
        edited.invoice_line_ids.price_unit = 31.00
        edited.action_post()
        keyed = self.post("out_invoice", [(40.00, self.st20)], date="2026-11-12")
        vat_return = self.vat_return()
        flags = {line.move_id: line.flag for line in vat_return.line_ids}
        self.assertEqual(
            (flags[kept], flags[lost], flags[edited], flags[keyed]),
            (False, "unlinked", "changed", False),
            "a document keyed in Odoo is not the integration's to flag",
        )
        self.assertEqual(vat_return.flagged_count, 4, "the VAT and base lines of the two documents")
        action = vat_return.action_open_flagged()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]).move_id, lost | edited)
        export = vat_return.action_export_csv()
        attachment = self.env["ir.attachment"].browse(int(export["url"].split("/")[3].split("?")[0]))
        self.assertIn("Changed after the integration posted it", base64.b64decode(attachment.datas).decode("utf-8-sig"))

    def test_a_filed_period_that_changes_alerts_finance_once_until_cleared(self):
        first = self.post("out_invoice", [(100.00, self.st20)])
        vat_return = self.vat_return()
        filer = self.env["res.users"].create(
            {
                "name": "Fiona Finance",
                "login": "fiona.mtd",
                "group_ids": [(4, self.ref("account.group_account_manager"))],
            }
        )
        vat_return.write({"state": "submitted", "submitted_by": filer.id})
        self.post("out_invoice", [(50.00, self.st20)], date="2026-12-03")
        self.assertFalse(vat_return.changed_since_filed, "the next period is not the filed one")
        late = self.post("out_invoice", [(10.00, self.st20)], date="2026-11-28")
        self.assertTrue(vat_return.changed_since_filed)
        [activity] = vat_return.activity_ids
        self.assertEqual(activity.user_id, filer, "who filed it hears of it")
        self.assertIn(late.name, activity.note)
        first.button_draft()
        self.assertEqual(len(vat_return.activity_ids), 1, "one activity, however many changes")
        self.assertIn(first.name, vat_return.message_ids[0].body)
        vat_return.action_clear_changed()
        self.assertFalse(vat_return.changed_since_filed)
        self.assertFalse(vat_return.activity_ids)

    def test_a_period_that_ends_before_it_starts_is_refused(self):
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["integration.vat.return"].create({"date_from": "2026-11-30", "date_to": "2026-11-01"})
            self.env.flush_all()
