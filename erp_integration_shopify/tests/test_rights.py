from odoo import SUPERUSER_ID

from .common import ShopifyCase, order_payload


class TestUsersWithoutIntegrationRights(ShopifyCase):
    """Warehouse and sales staff trigger the integration without being given any right on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Flow = cls.env["integration.flow"]
        cls.flows = {
            code: Flow.create({"backend_id": cls.backend.id, "code": code, "name": code, "mode": "realtime"})
            for code in ("stock.push", "products.push")
        }
        other = cls.env["res.company"].create({"name": "Other shop Ltd"})
        backend = cls.env["integration.backend"].create(
            {"name": "Other shop", "channel": "shopify", "webhook_secret": "x", "company_id": other.id}
        )
        cls.other_flow = Flow.create(
            {"backend_id": backend.id, "code": "stock.push", "name": "Push", "mode": "realtime"}
        )

    def user(self, login, *groups):
        return self.env["res.users"].create(
            {"name": login.title(), "login": login, "group_ids": [(6, 0, [self.env.ref(g).id for g in groups])]}
        )

    def flow_jobs(self, code, flow=None):
        flow = flow or self.flows[code]
        return self.env["queue.job"].search(
            [("func_string", "like", f"integration.flow({flow.id},)._run"), ("state", "=", "pending")]
        )

    def test_a_warehouse_user_validates_the_delivery_of_a_shopify_order(self):
        sale = self.sale_order(self.deliver(order_payload(6601)))
        wendy = self.user("wendy", "stock.group_stock_user")
        self.assertFalse(wendy.has_group("erp_integration_core.group_integration_user"))
        delivery = sale.picking_ids.with_user(wendy)
        for move in delivery.move_ids:
            move.quantity = move.product_uom_qty
        delivery.move_ids.picked = True
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        fulfilment = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "fulfillment.create")]
        )
        self.assertEqual(len(fulfilment), 1, "Shopify is told about the delivery")
        self.assertEqual(fulfilment.create_uid.id, SUPERUSER_ID, "the integration sent it as itself")
        self.assertEqual(self.flow_jobs("stock.push").user_id.id, SUPERUSER_ID, "and will push the stock as itself")
        self.assertFalse(self.flow_jobs("stock.push", self.other_flow), "another company's shop is not concerned")

    def test_a_sales_manager_reprices_a_product(self):
        sam = self.user("sam", "sales_team.group_sale_manager", "product.group_product_manager")
        self.mug.product_tmpl_id.with_user(sam).list_price = 13.5
        self.assertEqual(self.flow_jobs("products.push").user_id.id, SUPERUSER_ID)
        self.assertFalse("integration_exchange_ids" in self.env["sale.order"].with_user(sam).fields_get())
