# module/: the policy core (no Unbound headers, no I/O) and the Unbound
# adapter (the only code that includes Unbound's headers).

# Names, config, policy store: built and unit-tested without Unbound.
noinst_LTLIBRARIES += module/libtapir_core.la
module_libtapir_core_la_SOURCES = \
	module/names.c module/names.h
module_libtapir_core_la_LIBADD = $(PTHREAD_LIBS)

# The policy store and its reader reclamation.
noinst_LTLIBRARIES += module/libtapir_policy.la
module_libtapir_policy_la_SOURCES =
module_libtapir_policy_la_LIBADD = module/libtapir_core.la $(PTHREAD_LIBS)
