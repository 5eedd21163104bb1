# escape=`
FROM alpine:3.19
RUN apk update && `
    apk add curl
ARG USER=app
RUN adduser -S ${USER}
COPY --link ./a/ /dst/
ADD app.conf /etc/
ENV A=1 B="two words" C=${A:+set}
# dlint global ignore=missing-healthcheck
RUN --network=none echo hi
ENTRYPOINT exec /bin/app
