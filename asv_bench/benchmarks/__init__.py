"""asv benchmarks of sklearn-imd (see ../asv.conf.json)."""
