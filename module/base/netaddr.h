/*
 * module/base/netaddr.h - socket addresses as log lines show them.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#ifndef TAPIR_NETADDR_H
#define TAPIR_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

/**
 * Write an IPv4 or IPv6 address and its port as "address@port", the way
 * Unbound and the configuration write them; "?@0" for another family.
 * @param a: the address.
 * @param buf: where the text goes, NUL-terminated (cut to size).
 * @param size: its size.
 */
void netaddr_text(const struct sockaddr_storage *a, char *buf, size_t size);

#endif
