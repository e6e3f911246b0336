# The OrgGraph service image (used by docker-compose.yml beside Neo4j's own image).
FROM node:20-slim AS graphiql
WORKDIR /src/service/graphiql
COPY service/graphiql/package.json service/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund
WORKDIR /src/service/explorer
COPY service/explorer/package.json service/explorer/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY loaders loaders
COPY schema schema
COPY service service
COPY --from=graphiql /src/service/graphiql/node_modules service/graphiql/node_modules
COPY --from=graphiql /src/service/explorer/node_modules service/explorer/node_modules
RUN pip install --no-cache-dir -e .
# On 0.0.0.0 `orggraph serve` refuses to start without ORGGRAPH_JWT_SECRET or
# ORGGRAPH_JWT_PUBLIC_KEY unless ORGGRAPH_DEMO=on (service/deployment.py).
ENV ORGGRAPH_HOST=0.0.0.0 ORGGRAPH_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready')"
CMD ["orggraph", "serve"]
