"""One module per dashboard; in each, one function per panel and ``dashboard()`` composing them."""
