package app

import (
	"flag"
	"net/http"
	"net/http/cookiejar"
)

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}
