# Compares freshly regenerated reference outputs (second argument) with the
# committed ones (first): data files must be identical, and every number of a
# reference within 1e-5 (relative, absolute below 1). This only detects stale
# references: R itself varies between runs by up to about 2e-6 (lmer's
# optimum for some models, lmerTest's df on a boundary fit), while the Go
# tests hold HOLF to 1e-6 against the committed files.
# Exits non-zero naming what differs.
args <- commandArgs(TRUE)
committed <- args[1]; fresh <- args[2]
files <- sort(list.files(fresh, pattern = "\\.csv$"))
bad <- character()
missing <- setdiff(files, list.files(committed, pattern = "\\.csv$"))
if (length(missing)) bad <- c(bad, paste("not committed:", missing))
for (f in intersect(files, list.files(committed))) {
  a <- read.csv(file.path(committed, f), stringsAsFactors = FALSE)
  b <- read.csv(file.path(fresh, f), stringsAsFactors = FALSE)
  if (!identical(dim(a), dim(b)) || !identical(names(a), names(b))) { bad <- c(bad, paste(f, ": shape differs")); next }
  for (col in names(a)) {
    x <- a[[col]]; y <- b[[col]]
    if (is.numeric(x) && is.numeric(y)) {
      ok <- (is.na(x) & is.na(y)) | (!is.na(x) & !is.na(y) & (x == y | abs(x - y) <= 1e-5 * pmax(1, abs(x))))  # x == y: Inf
      if (!grepl("_ref\\.csv$", f)) ok <- (is.na(x) & is.na(y)) | (!is.na(x) & !is.na(y) & x == y)
      if (!all(ok)) bad <- c(bad, sprintf("%s: column %s differs in %d rows", f, col, sum(!ok)))
    } else if (!identical(as.character(x), as.character(y))) {
      bad <- c(bad, sprintf("%s: column %s differs", f, col))
    }
  }
}
if (length(bad)) { cat(bad, sep = "\n"); quit(status = 1) }
cat("R reference outputs are current:", length(files), "files\n")
