# Shared settings for the make targets; sourced, not run.
# Everything can be overridden from the environment.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
TEST_DB=${TEST_DB:-erp_integration_test}
DEMO_DB=${DEMO_DB:-erp_integration_demo}
ODOO_PORT=${ODOO_PORT:-8069}
SANDBOX_PORT=${SANDBOX_PORT:-8079}
SUITE_ADDONS=erp_integration_core,erp_integration_sale_stock,erp_integration_shopify,erp_integration_hubspot,erp_integration_3pl,erp_integration_mtd

# The suite's Python dependencies (requirements.txt), so that every make target
# works on a machine that has only Odoo.
install_requirements() {
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -r "$REPO_ROOT/requirements.txt"
}

# Where Odoo is: the odoo-bin beside the installed package (a source checkout),
# or the `odoo` command (packages and the official Docker image).
odoo_root() {
    "$PYTHON" -c 'import pathlib, odoo.release as r; print(pathlib.Path(r.__file__).resolve().parents[1])'
}

odoo_bin() {
    local root
    root=$(odoo_root)
    if [ -f "$root/odoo-bin" ]; then
        echo "$PYTHON $root/odoo-bin"
    else
        echo "odoo"
    fi
}

addons_path() {
    local root path
    root=$(odoo_root)
    path="$REPO_ROOT,$REPO_ROOT/addons"
    [ -d "$root/addons" ] && path="$root/addons,$path"
    echo "$path"
}

# Database connection flags for Odoo from the usual libpq variables.
db_flags() {
    local flags=""
    [ -n "${PGHOST:-}" ] && flags="$flags --db_host=$PGHOST"
    [ -n "${PGPORT:-}" ] && flags="$flags --db_port=$PGPORT"
    [ -n "${PGUSER:-}" ] && flags="$flags --db_user=$PGUSER"
    [ -n "${PGPASSWORD:-}" ] && flags="$flags --db_password=$PGPASSWORD"
    echo "$flags"
}
