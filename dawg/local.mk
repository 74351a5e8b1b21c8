# dawg/: DAWG reader and builder.
