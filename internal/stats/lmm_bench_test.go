package stats

import (
	"bytes"
	"fmt"
	"math"
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
// 250 offices (HOLF_BENCH_PERSONS sets another number). With HOLF_BENCH_R=1
// it also times lmer on the same data in the same run and reports the ratio
// (lmer-seconds / holf-seconds).
func BenchmarkLMMTrial(b *testing.B) {
	data := trialCSV(benchPersons(), 250, 1)
	path, _, fm := benchCase(b, "trial.csv", data, "y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time)")
	var fit *LMMFit
	// The CSV is read in every fit: the memory of the whole command.
	secs := timeFits(b, func() error {
		fr, err := ReadCSV(bytes.NewReader(data))
		if err == nil {
			fit, err = FitLMM(fr, fm, true)
		}
		return err
	})
	b.Logf("holf: %.3f s per fit; time:arm = %.5f (se %.5f, df %.2f)", secs, fit.Fixed[3].Estimate, fit.Fixed[3].SE, fit.Fixed[3].DF)
	if os.Getenv("HOLF_BENCH_R") == "" {
		return
	}
	rsecs, rest := rTime(b, `suppressPackageStartupMessages(library(lme4)); d <- read.csv(commandArgs(TRUE)[1]);
t0 <- proc.time()[["elapsed"]]; f <- lmer(y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time), data = d, REML = TRUE);
cat(proc.time()[["elapsed"]] - t0, fixef(f)[4], "\n")`, path)
	b.ReportMetric(rsecs, "lmer-s")
	b.ReportMetric(rsecs/secs, "lmer/holf")
	b.Logf("lmer: %.3f s (time:arm = %s); lmer/holf = %.2f", rsecs, rest, rsecs/secs)
}

// rTime runs an R script on the file at path and returns the seconds it
// prints first (the part it times itself) with the rest of its output.
func rTime(b *testing.B, script, path string) (float64, string) {
	b.Helper()
	out, err := exec.Command("Rscript", "-e", script, path).Output() // #nosec G204 -- fixed scripts, benchmarks only
	if err != nil {
		b.Fatalf("Rscript: %v", err)
	}
	secs, rest, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	v, err := strconv.ParseFloat(secs, 64)
	if err != nil {
		b.Fatalf("Rscript printed %q", out)
	}
	return v, rest
}

// BenchmarkKenwardRoger computes the Kenward-Roger standard errors and df
// at the trial's size: 1 000 persons × 2 waves in 29 offices. With
// HOLF_BENCH_R=1 it also times pbkrtest (through lmerTest) on the same data,
// the fit itself excluded.
func BenchmarkKenwardRoger(b *testing.B) {
	path, fr, fm := benchCase(b, "trial.csv", trialCSV(1000, 29, 2), "y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time)")
	var fit *LMMFit
	secs := timeFits(b, func() (err error) {
		fit, err = FitLMMWith(fr, fm, LMMOptions{REML: true, KenwardRoger: true})
		return err
	})
	b.Logf("holf: %.3f s per fit with Kenward-Roger; time:arm df %.3f, se %.6f", secs, fit.Fixed[3].DF, fit.Fixed[3].SE)
	if os.Getenv("HOLF_BENCH_R") == "" {
		return
	}
	rsecs, rest := rTime(b, `suppressPackageStartupMessages(library(lmerTest)); d <- read.csv(commandArgs(TRUE)[1]);
f <- lmer(y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time), data = d, REML = TRUE);
t0 <- proc.time()[["elapsed"]]; co <- summary(f, ddf = "Kenward-Roger")$coefficients;
cat(proc.time()[["elapsed"]] - t0, co[4, "df"], co[4, "Std. Error"], "\n")`, path)
	b.ReportMetric(rsecs, "pbkrtest-s")
	b.Logf("pbkrtest: %.3f s for the Kenward-Roger step alone (time:arm df, se: %s)", rsecs, rest)
}

// crossedCSV writes a crossed design: rows × two factors with a and b
// levels, every row a random pair (as pupils in schools and neighbourhoods).
func crossedCSV(rows, a, bl int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 11))
	ua, ub := make([]float64, a), make([]float64, bl)
	for i := range ua {
		ua[i] = rng.NormFloat64() * 0.5
	}
	for i := range ub {
		ub[i] = rng.NormFloat64() * 0.3
	}
	var buf bytes.Buffer
	buf.WriteString("a,b,x,y\n")
	for r := 0; r < rows; r++ {
		i, j := rng.IntN(a), rng.IntN(bl)
		x := rng.NormFloat64()
		fmt.Fprintf(&buf, "a%04d,b%04d,%.5f,%.6f\n", i, j, x, 1+0.4*x+ua[i]+ub[j]+rng.NormFloat64())
	}
	return buf.Bytes()
}

// BenchmarkLMMCrossed fits y ~ x + (1 | a) + (1 | b) on 73 000 rows with 3
// 000 × 1 100 crossed levels; HOLF_BENCH_R=1 times lmer on the same data.
func BenchmarkLMMCrossed(b *testing.B) {
	path, fr, fm := benchCase(b, "crossed.csv", crossedCSV(73000, 3000, 1100, 3), "y ~ x + (1 | a) + (1 | b)")
	var fit *LMMFit
	secs := timeFits(b, func() (err error) {
		fit, err = FitLMM(fr, fm, true)
		return err
	})
	b.Logf("holf: %.3f s per fit; x = %.6f (se %.6f), converged %v", secs, fit.Fixed[1].Estimate, fit.Fixed[1].SE, fit.Converged)
	if os.Getenv("HOLF_BENCH_R") == "" {
		return
	}
	rsecs, rest := rTime(b, `suppressPackageStartupMessages(library(lme4)); d <- read.csv(commandArgs(TRUE)[1]);
t0 <- proc.time()[["elapsed"]]; f <- lmer(y ~ x + (1 | a) + (1 | b), data = d, REML = TRUE);
cat(proc.time()[["elapsed"]] - t0, fixef(f)[2], "\n")`, path)
	b.ReportMetric(rsecs, "lmer-s")
	b.ReportMetric(rsecs/secs, "lmer/holf")
	b.Logf("lmer: %.3f s (x = %s); lmer/holf = %.2f", rsecs, rest, rsecs/secs)
}

// binaryTrialCSV writes the trial's binary outcome: persons in offices at
// two waves, logit P(y) = -1 + 0.2 time + 0.3 arm + 0.4 time·arm + u_office + v_person.
func binaryTrialCSV(persons, offices int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 13))
	var b bytes.Buffer
	b.WriteString("office,person,time,arm,y\n")
	u := make([]float64, offices)
	for o := range u {
		u[o] = rng.NormFloat64() * 0.5
	}
	for p := 0; p < persons; p++ {
		o := p % offices
		v := rng.NormFloat64() * 0.8
		arm := []string{"comparison", "intervention"}[o%2]
		for t := 0; t < 2; t++ {
			eta := -1 + 0.2*float64(t) + u[o] + v
			if o%2 == 1 {
				eta += 0.3 + 0.4*float64(t)
			}
			y := 0
			if rng.Float64() < 1/(1+math.Exp(-eta)) {
				y = 1
			}
			fmt.Fprintf(&b, "o%03d,p%06d,%d,%s,%d\n", o, p, t, arm, y)
		}
	}
	return b.Bytes()
}

// BenchmarkGLMMTrial fits the trial's binary outcome with office and
// person intercepts on 100 000 persons × 2 waves in 250 offices
// (HOLF_BENCH_PERSONS sets another number); HOLF_BENCH_R=1 times glmer on
// the same data in the same run.
func BenchmarkGLMMTrial(b *testing.B) {
	path, fr, fm := benchCase(b, "binary.csv", binaryTrialCSV(benchPersons(), 250, 4), "y ~ time * arm + (1 | office) + (1 | person)")
	var fit *GLMMFit
	secs := timeFits(b, func() (err error) {
		fit, err = FitGLMM(fr, fm, 1)
		return err
	})
	b.Logf("holf: %.3f s per fit; time:arm = %.5f (se %.5f), converged %v", secs, fit.Fixed[3].Estimate, fit.Fixed[3].SE, fit.Converged)
	if os.Getenv("HOLF_BENCH_R") == "" {
		return
	}
	rsecs, rest := rTime(b, `suppressPackageStartupMessages(library(lme4)); d <- read.csv(commandArgs(TRUE)[1]);
t0 <- proc.time()[["elapsed"]]; f <- glmer(y ~ time * arm + (1 | office) + (1 | person), data = d, family = binomial);
cat(proc.time()[["elapsed"]] - t0, fixef(f)[4], sqrt(diag(as.matrix(vcov(f))))[4], "\n")`, path)
	b.ReportMetric(rsecs, "glmer-s")
	b.ReportMetric(rsecs/secs, "glmer/holf")
	b.Logf("glmer: %.3f s (time:arm, se = %s); glmer/holf = %.2f", rsecs, rest, rsecs/secs)
}

// benchPersons is HOLF_BENCH_PERSONS, or 100 000.
func benchPersons() int {
	if v, err := strconv.Atoi(os.Getenv("HOLF_BENCH_PERSONS")); err == nil && v > 0 {
		return v
	}
	return 100000
}

// benchCase writes a benchmark's data where R can read it, and returns
// its path, the data as a frame and the parsed formula.
func benchCase(b *testing.B, name string, data []byte, formula string) (string, *Frame, *Formula) {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	fm, err := ParseFormula(formula)
	if err != nil {
		b.Fatal(err)
	}
	fr, err := ReadCSV(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	return path, fr, fm
}

// timeFits runs fit b.N times and returns the seconds per fit, reporting
// the peak heap in use (sampled every 5 ms) beside them.
func timeFits(b *testing.B, fit func() error) float64 {
	b.Helper()
	var peak uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if err := fit(); err != nil {
			b.Fatal(err)
		}
	}
	secs := time.Since(start).Seconds() / float64(b.N)
	close(done)
	<-sampled
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	return secs
}
