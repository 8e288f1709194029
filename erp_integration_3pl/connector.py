from odoo.addons.erp_integration_core.connector import Connector


class ThreePLConnector(Connector):
    """Third-party warehouse callbacks (despatches, stock, goods-in).

    Warehouse systems sign their callbacks with a shared secret in a header;
    REST, SOAP and file transports feed the same exchanges.
    """

    channel = "3pl"
    label = "Warehouse (3PL)"
    signature_header = "X-Warehouse-Signature"
    event_id_header = "X-Warehouse-Event-Id"
    topic_header = "X-Warehouse-Event"
