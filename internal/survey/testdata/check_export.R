# Checks a HOLF survey export from R alone: the generated script reads the
# data and attaches labels, and every score and cut-off HOLF exported is
# recomputed here from the raw items and the codebook's rules.
# Usage: Rscript check_export.R EXPORT_DIR BASENAME
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
base <- args[2]
source(file.path(dir, paste0(base, ".R")))
d <- holf_read(dir)
cb <- utils::read.csv(file.path(dir, "codebook.csv"), stringsAsFactors = FALSE, na.strings = "", encoding = "UTF-8")
if (nrow(d) == 0) stop("no rows")
if (!identical(names(d), cb$variable)) stop("the data's columns differ from the codebook")
for (v in cb$variable) if (is.null(attr(d[[v]], "label"))) stop("no label on ", v)
same <- function(a, b) all((is.na(a) & is.na(b)) | (!is.na(a) & !is.na(b) & abs(a - b) < 1e-9))
scores <- 0
for (i in which(!is.na(cb$method))) {
  row <- cb[i, ]
  its <- strsplit(row$items, " ")[[1]]
  m <- as.matrix(d[, its, drop = FALSE])
  for (j in seq_along(its)) {
    ir <- cb[cb$variable == its[j], ]
    if (ir$reverse == 1) m[, j] <- ir$scale_min + ir$scale_max - m[, j]
  }
  answered <- rowSums(!is.na(m))
  val <- switch(row$method,
    mean = rowMeans(m, na.rm = TRUE),
    sum = rowSums(m, na.rm = TRUE),
    indicator = as.numeric(d[[its[1]]] %in% as.numeric(strsplit(as.character(row$indicator_values), " ")[[1]])))
  val[answered < row$min_answered] <- NA
  if (!same(val, d[[row$variable]])) stop(row$variable, ": R and HOLF differ")
  scores <- scores + 1
}
cutoffs <- 0
for (i in which(!is.na(cb$cutoff))) {
  p <- strsplit(cb$cutoff[i], " ")[[1]]
  s <- d[[p[1]]]
  val <- as.integer(do.call(p[2], list(s, as.numeric(p[3]))))
  if (!same(val, d[[cb$variable[i]]])) stop(cb$variable[i], ": R and HOLF differ")
  cutoffs <- cutoffs + 1
}
cat(sprintf("R reproduced %d scores and %d cut-offs for %d respondents\n", scores, cutoffs, nrow(d)))
