# An HLS edge: nginx caching the Plenary origin. The official image renders
# templates/*.template with the environment into conf.d at start.
FROM nginx:1.24-bookworm
COPY deploy/edge/plenary-edge.conf.template /etc/nginx/templates/plenary-edge.conf.template
RUN rm -f /etc/nginx/conf.d/default.conf
