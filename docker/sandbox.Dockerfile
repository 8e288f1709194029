# The sandbox: pure Python, no Odoo.
FROM python:3.12-slim
COPY requirements.txt /tmp/suite-requirements.txt
RUN pip install --no-cache-dir -r /tmp/suite-requirements.txt
WORKDIR /suite
