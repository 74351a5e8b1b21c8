# feeds/: feed parsers and threads.
