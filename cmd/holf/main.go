// Command holf runs HOLF: see 'holf help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/holf-project/holf/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
