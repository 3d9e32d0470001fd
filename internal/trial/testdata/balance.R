# An independent computation of Raab and Butcher's balance score, written
# from the definition rather than from HOLF's code: for every allocation of
# the clusters in clusters.csv (combn's order), B is the weighted sum over
# the covariates of the squared (l2) or absolute (l1) difference between the
# arms' means, each covariate standardised by its standard deviation and a
# categorical one coded as indicators of all but its first level. With t of
# n clusters treated, that difference is proportional to cvcrand's form, so
# the scores printed here are scaled to cvcrand's: sum over treated of z.
#
# Usage: Rscript balance.R clusters.csv covariates.csv out.csv
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1], stringsAsFactors = FALSE)
spec <- read.csv(args[2], stringsAsFactors = FALSE)
treated <- as.integer(spec$treated[1])
cols <- list(); w <- c()
for (i in seq_len(nrow(spec))) {
  v <- x[[spec$name[i]]]
  if (spec$categorical[i]) {
    lv <- sort(unique(as.character(v)))
    for (l in lv[-1]) { cols[[length(cols) + 1]] <- as.numeric(v == l); w <- c(w, spec$weight[i]) }
  } else {
    cols[[length(cols) + 1]] <- as.numeric(v); w <- c(w, spec$weight[i])
  }
}
n <- nrow(x)
schemes <- combn(n, treated)
out <- data.frame(scheme = seq_len(ncol(schemes)), l2 = NA_real_, l1 = NA_real_)
for (s in seq_len(ncol(schemes))) {
  trt <- schemes[, s]
  l2 <- 0; l1 <- 0
  for (k in seq_along(cols)) {
    z <- cols[[k]]
    d <- mean(z[trt]) - mean(z[-trt])             # Raab and Butcher: difference of the arms' means
    # scaled to cvcrand's equivalent form: the sum of standardised values over
    # the treated, sum_T (z - mean(z)) = d * t * (n - t) / n
    e <- w[k] * d * treated * (n - treated) / n / sd(z)
    l2 <- l2 + e^2
    l1 <- l1 + abs(e)
  }
  out$l2[s] <- l2; out$l1[s] <- l1
}
write.csv(out, args[3], row.names = FALSE)
cat("R scored", ncol(schemes), "allocations\n")
