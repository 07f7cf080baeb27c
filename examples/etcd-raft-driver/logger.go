package main

import (
	"fmt"
	"os"
)

// logger keeps etcd's warnings and errors on stderr (raftcheck shows the last lines of it in a
// verdict), drops its info and debug lines (an election logs several), and turns a fatal error
// into a panic, which the request loop answers as an error reply: a verdict, not an exit.
type logger struct{}

func (logger) Debug(v ...interface{})                 {}
func (logger) Debugf(format string, v ...interface{}) {}
func (logger) Info(v ...interface{})                  {}
func (logger) Infof(format string, v ...interface{})  {}
func (logger) Warning(v ...interface{}) {
	fmt.Fprintln(os.Stderr, append([]interface{}{"warning:"}, v...)...)
}
func (logger) Warningf(format string, v ...interface{}) {
	fmt.Fprintf(os.Stderr, "warning: "+format+"\n", v...)
}
func (logger) Error(v ...interface{}) {
	fmt.Fprintln(os.Stderr, append([]interface{}{"error:"}, v...)...)
}
func (logger) Errorf(format string, v ...interface{}) {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", v...)
}
func (logger) Fatal(v ...interface{})                 { panic(fmt.Sprint(v...)) }
func (logger) Fatalf(format string, v ...interface{}) { panic(fmt.Sprintf(format, v...)) }
func (logger) Panic(v ...interface{})                 { panic(fmt.Sprint(v...)) }
func (logger) Panicf(format string, v ...interface{}) { panic(fmt.Sprintf(format, v...)) }
