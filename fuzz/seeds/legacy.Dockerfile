FROM ubuntu:latest
MAINTAINER Jane <jane@example.com>
LABEL title="앱" version=1
# hadolint ignore=DL3008,DL3015
RUN apt-get update && apt-get install python3
# dlint ignore=latest-tag
FROM node AS web
ENV NODE_ENV production
ADD https://example.com/a.tar.gz /tmp/
ADD a.tar.gz /srv/
COPY . /srv
WORKDIR srv
RUN npm install && sudo chmod 777 /srv
RUN cd /srv; npm run build
EXPOSE 3000/tcp
HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN wget -qO- https://x.sh | bash
ONBUILD RUN npm ci
USER root
CMD npm start
CMD ["node", "s.js"]
