/*
 * module/unbound/ub_compat.h - what differs between the Unbound versions the
 * module builds against, in one place.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Part of the Unbound adapter: include after Unbound's headers.  configure
 * compiles small checks against the Unbound tree it is pointed at (not
 * version numbers: distributions backport) and passes what it found as
 * TAPIR_UB_* macros; the adapter calls the wrappers here, so the query
 * path reads the same for every version.
 *
 * Checked against 1.17.1 (Debian 12) and 1.26.0.  Between them the module
 * API changed only in attach_sub (1.25: the client's respip information).
 * The rest the module uses stayed source compatible: the dynlib
 * environment and its in-place callback wrappers, the query response
 * callback, dns_msg_create, reply_info_copy, the EDE option list, the
 * cache tables (lruhash gained a trailing counter), and the query state
 * and reply members read or set here.  The struct layouts themselves do
 * differ from build to build, which is why the module refuses any Unbound
 * but the one whose tree it was compiled against.
 */
#ifndef TAPIR_UB_COMPAT_H
#define TAPIR_UB_COMPAT_H

/**
 * Start a sub-query the way dns64 and respip do for a client-facing
 * follow-up (a redirect's CNAME target): with the client's respip
 * information where this Unbound takes it.
 */
static inline int
ubc_attach_sub(struct module_qstate *qstate, struct query_info *qinfo,
	uint16_t qflags, int prime, int valrec, struct module_qstate **newq)
{
#ifdef TAPIR_UB_ATTACH_SUB_CINFO
	return qstate->env->attach_sub(qstate, qinfo, qstate->client_info,
		qflags, prime, valrec, newq);
#else
	return qstate->env->attach_sub(qstate, qinfo, qflags, prime, valrec,
		newq);
#endif
}

#endif /* TAPIR_UB_COMPAT_H */
