#!/bin/sh
# One HTTP/1.0 exchange on stdin/stdout; every path (/health included) gets the hostname.
# Reads the whole request head before answering, so closing the socket never resets a
# client that is still sending headers. Only builtins run here: no fork per request line.
read -r method _path _proto || exit 0
while read -r line; do
  # The blank line ending the head is "" or a lone "\r".
  [ "${#line}" -le 1 ] && break
done
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' "$((${#BODY} + 1))"
[ "$method" = HEAD ] || printf '%s\n' "$BODY"
