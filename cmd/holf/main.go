// Command holf runs HOLF: see 'holf help'. It joins the doors: the command
// line, and the web server its serve command starts.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/cli"
	"github.com/holf-project/holf/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := cli.OSEnv()
	env.Serve = serve
	code := cli.Main(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}

// serve runs the web door on the use cases until ctx ends.
func serve(ctx context.Context, a *app.App, opt cli.ServeOptions) error {
	srv, err := web.New(web.Config{App: a, Hasher: opt.Hasher, Logger: opt.Logger, Catalog: opt.Catalog,
		InsecureCookies: opt.InsecureCookies, TrustedProxies: opt.TrustedProxies, Demo: opt.Demo, Version: opt.Version, PublicURL: opt.PublicURL})
	if err != nil {
		return err
	}
	return srv.Serve(ctx, opt.Addr, opt.Ready)
}
