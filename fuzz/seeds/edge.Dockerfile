# escape=\
# dlint ignore=a보12
FROM alpine
FROM a b c
FROM x AS
FRM alpine
COPY --frm=build /a /b
RUN
ENV KEY
LABEL
ONBUILD ONBUILD RUN x
ONBUILD FROM y
BOGUS x
RUN ["unterminated", "json"
CMD [ ]
SHELL ["cmd", "/S", "/C"]
EXPOSE 80/udp 443-445
STOPSIGNAL 9
USER :
WORKDIR ""
VOLUME /a /b
ADD --checksum=sha256:0000 --keep-git-dir=true https://example.com/r.git /r
RUN echo hi \
