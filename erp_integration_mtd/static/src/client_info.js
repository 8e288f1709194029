import { Component, onMounted } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const DEVICE_KEY = "erp_integration_mtd.device_id";

/** The browser's side of HMRC's fraud prevention data, as the web-app-via-server method asks. */
export function clientInfo() {
    let device = window.localStorage.getItem(DEVICE_KEY);
    if (!device) {
        device = window.crypto.randomUUID();
        window.localStorage.setItem(DEVICE_KEY, device);
    }
    const offset = -new Date().getTimezoneOffset();
    const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
    const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
    return {
        user_agent: window.navigator.userAgent,
        device_id: device,
        timezone: `UTC${offset < 0 ? "-" : "+"}${hours}:${minutes}`,
        screens: [
            {
                width: window.screen.width,
                height: window.screen.height,
                scaling: window.devicePixelRatio || 1,
                depth: window.screen.colorDepth,
            },
        ],
        window: { width: window.innerWidth, height: window.innerHeight },
    };
}

/** Writes the browser's details on the VAT return as the form opens, for Submit to send. */
export class MtdClientInfo extends Component {
    static template = "erp_integration_mtd.MtdClientInfo";
    static props = { ...standardWidgetProps };

    setup() {
        onMounted(() => {
            const record = this.props.record;
            if (record.data.state !== "submitted") {
                record.update({ hmrc_client_info: JSON.stringify(clientInfo()) });
            }
        });
    }
}

registry.category("view_widgets").add("mtd_client_info", { component: MtdClientInfo });
