# feeds/mqtt.mk: the MQTT transport of the DNS TAPIR observation feed.
noinst_LTLIBRARIES += feeds/libtapir_mqtt.la
feeds_libtapir_mqtt_la_SOURCES = feeds/mqtt.c feeds/mqtt.h
feeds_libtapir_mqtt_la_LIBADD = $(PAHO_LIBS)
