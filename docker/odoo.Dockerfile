# Odoo 19 from the official image, with the suite's Python requirements added.
FROM odoo:19
USER root
COPY requirements.txt /tmp/suite-requirements.txt
RUN pip3 install --no-cache-dir --break-system-packages -r /tmp/suite-requirements.txt
USER odoo
