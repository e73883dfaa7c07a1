# Build knobs.  Override on the command line: make PREFIX=/usr
PREFIX		?= /usr/local
MANPREFIX	?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
PKG_CONFIG	?= pkg-config

DEPS		 = libevent_core libevent_extra libcurl libcjson uuid hiredis
# Debian's mbedTLS 2.28 ships no .pc file.  TLS (rediss://, through
# src/redistls.c, as Debian 12's hiredis 0.14 has no TLS) needs all three.
MBEDTLS_LIBS	?= -lmbedtls -lmbedx509 -lmbedcrypto

CC		?= cc
OPTFLAGS	?= -O2 -g
WARNFLAGS	 = -Wall -Wextra -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 \
		   -Wvla -Werror
CPPFLAGS	+= -D_GNU_SOURCE -Iinclude
CFLAGS		+= -std=c11 $(OPTFLAGS) $(WARNFLAGS) -fno-strict-aliasing
SANFLAGS	 = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		   -fno-sanitize-recover=all
