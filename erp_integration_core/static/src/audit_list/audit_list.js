import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/** How far the sealer is behind: unsealed entries and the age of the oldest; "Seal now" for managers. */
export class AuditSealingBanner extends Component {
    static template = "erp_integration_core.AuditSealingBanner";
    static props = { root: { type: Object, optional: true }, onSealed: Function };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ status: null, sealing: false });
        onWillStart(() => this.load());
        // The list reloads (a search, a header button): so does the banner.
        onWillUpdateProps((next) => (next.root !== this.props.root ? this.load() : undefined));
    }

    async load() {
        this.state.status = await this.orm.call("integration.audit.log", "get_sealing_status", []);
    }

    async sealNow() {
        this.state.sealing = true;
        try {
            const action = await this.orm.call("integration.audit.log", "action_seal_now", []);
            await this.action.doAction(action);
            await this.load();
            await this.props.onSealed();
        } finally {
            this.state.sealing = false;
        }
    }
}

export class AuditListController extends ListController {
    static template = "erp_integration_core.AuditListView";
    static components = { ...ListController.components, AuditSealingBanner };

    async reloadList() {
        await this.model.load();
    }
}

registry.category("views").add("integration_audit_list", { ...listView, Controller: AuditListController });
