# The container action's image. No USER and no WORKDIR: the runner starts container
# actions as root with the workspace mounted at /github/workspace as the working
# directory, and both would break that. Only the package and the entrypoint are copied.
#
# Base pinned by digest (python:3.11-slim, Debian, glibc: the manylinux wheels of
# requirements.lock install without compilers, so no build tools ever enter the image).
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Every runtime dependency pinned with its hashes; wheels only, so nothing is compiled.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes --only-binary=:all: -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

COPY telefonistka/ /app/telefonistka/
COPY entrypoint.py /app/entrypoint.py

ENTRYPOINT ["python", "/app/entrypoint.py"]
