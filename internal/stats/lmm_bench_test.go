package stats

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trialCSV writes the trial's analysis data at national scale: persons in
// offices measured at two waves, y ~ time*arm with office, person and
// office×time random intercepts.
func trialCSV(persons, offices int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	var b bytes.Buffer
	b.WriteString("office,person,time,arm,y\n")
	arm := make([]string, offices)
	u := make([]float64, offices)
	w := make([][2]float64, offices)
	for o := range arm {
		arm[o] = []string{"comparison", "intervention"}[o%2]
		u[o] = rng.NormFloat64() * 0.5
		w[o] = [2]float64{rng.NormFloat64() * 0.2, rng.NormFloat64() * 0.2}
	}
	for p := 0; p < persons; p++ {
		o := p % offices
		v := rng.NormFloat64() * 0.7
		for t := 0; t < 2; t++ {
			eff := 0.0
			if arm[o] == "intervention" {
				eff = 0.5 + 0.3*float64(t)
			}
			y := 2 + 0.2*float64(t) + eff + u[o] + w[o][t] + v + rng.NormFloat64()*0.6
			fmt.Fprintf(&b, "o%03d,p%06d,%d,%s,%.6f\n", o, p, t, arm[o], y)
		}
	}
	return b.Bytes()
}

// BenchmarkLMMTrial fits the trial's model on 100 000 persons × 2 waves in
// 250 offices. With HOLF_BENCH_R=1 it also times lmer on the same data in the
// same run and reports the ratio (lmer-seconds / holf-seconds).
func BenchmarkLMMTrial(b *testing.B) {
	data := trialCSV(100000, 250, 1)
	dir := b.TempDir()
	path := filepath.Join(dir, "trial.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	fm, err := ParseFormula("y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time)")
	if err != nil {
		b.Fatal(err)
	}
	var ms runtime.MemStats
	var peak uint64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak {
					peak = ms.HeapInuse
				}
			}
		}
	}()
	var fit *LMMFit
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		fr, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if fit, err = FitLMM(fr, fm, true); err != nil {
			b.Fatal(err)
		}
	}
	secs := time.Since(start).Seconds() / float64(b.N)
	close(done)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.Logf("holf: %.3f s per fit; time:arm = %.5f (se %.5f, df %.2f)", secs, fit.Fixed[3].Estimate, fit.Fixed[3].SE, fit.Fixed[3].DF)
	if os.Getenv("HOLF_BENCH_R") == "" {
		return
	}
	script := `suppressPackageStartupMessages(library(lme4)); d <- read.csv(commandArgs(TRUE)[1]);
t0 <- proc.time()[["elapsed"]]; f <- lmer(y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time), data = d, REML = TRUE);
cat(proc.time()[["elapsed"]] - t0, fixef(f)[4], "\n")`
	out, err := exec.Command("Rscript", "-e", script, path).Output() // #nosec G204 -- fixed script, benchmark only
	if err != nil {
		b.Fatalf("Rscript: %v", err)
	}
	fields := strings.Fields(string(out))
	rsecs, _ := strconv.ParseFloat(fields[0], 64)
	b.ReportMetric(rsecs, "lmer-s")
	b.ReportMetric(rsecs/secs, "lmer/holf")
	b.Logf("lmer: %.3f s (time:arm = %s); lmer/holf = %.2f", rsecs, fields[1], rsecs/secs)
}
