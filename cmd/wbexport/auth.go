package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/workboard"
)

func newAuthCmd() *cobra.Command {
	auth := &cobra.Command{Use: "auth", Short: "Obtain WorkBoard API tokens"}
	auth.AddCommand(newAuthExchangeCmd())
	return auth
}

func newAuthExchangeCmd() *cobra.Command {
	var (
		clientID, hashFile, code, codeFile, redirectURI, state, out, tokenURL, region string
		log                                                                           logFlags
	)
	cmd := &cobra.Command{
		Use:   "exchange",
		Short: "Exchange an OAuth 2.0 authorization code for an access token and write it to a file (mode 0600)",
		Long: `Exchange an OAuth 2.0 authorization code (from WorkBoard's /wb/oauth/authorize redirect) for
an access token: POST /wb/oauth/token with client_id, client_hash, code and redirect_uri. The token is
written to --out with mode 0600 and never printed. The client hash (WorkBoard's client secret) is read
from WORKBOARD_CLIENT_HASH or --client-hash-file, never from a flag value; the code from
--code-file (a file, or - for stdin) or WORKBOARD_OAUTH_CODE. --code still works but warns: a flag
value is visible in process listings.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			lg, err := log.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if clientID == "" || redirectURI == "" || out == "" {
				return usageError("auth exchange needs --client-id, --redirect-uri and --out")
			}
			if code != "" {
				lg.Warn("--code puts the authorization code in the process listing; use --code-file (- for stdin) or WORKBOARD_OAUTH_CODE")
			}
			if codeFile != "" {
				if code, err = readCode(cmd.InOrStdin(), codeFile); err != nil {
					return usageError("--code-file: %v", err)
				}
			}
			if code == "" {
				code = strings.TrimSpace(os.Getenv("WORKBOARD_OAUTH_CODE"))
			}
			if code == "" {
				return usageError("auth exchange needs the authorization code: --code-file (- for stdin) or WORKBOARD_OAUTH_CODE")
			}
			hash := strings.TrimSpace(os.Getenv("WORKBOARD_CLIENT_HASH"))
			if hashFile != "" {
				h, warn, err := workboard.ReadTokenFile(hashFile)
				if err != nil {
					return usageError("--client-hash-file: %v", err)
				}
				if warn != "" {
					lg.Warn(warn)
				}
				hash = h
			}
			if hash == "" {
				return usageError("auth exchange needs the client hash: WORKBOARD_CLIENT_HASH or --client-hash-file")
			}
			if region != "us" && region != "eu" {
				return usageError("--region must be us or eu, not %q", region)
			}
			tok, err := workboard.ExchangeCode(cmd.Context(), workboard.ExchangeRequest{
				TokenURL: tokenURL, ClientID: clientID, ClientHash: workboard.NewSecret(hash),
				Code: code, RedirectURI: redirectURI, State: state,
			}, workboard.WithRegion(region), workboard.WithLogger(lg), workboard.WithUserAgent("wbexport/"+appVersion()))
			if err != nil {
				return withCode(ExitAuth, err)
			}
			if err := writeSecretFile(out, tok.AccessToken.Reveal()+"\n"); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote the access token to %s (mode 0600); use it with --token-file %s\n", out, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&clientID, "client-id", "", "OAuth client id of your WorkBoard app")
	fl.StringVar(&hashFile, "client-hash-file", "", "file holding the OAuth client hash (default: WORKBOARD_CLIENT_HASH)")
	fl.StringVar(&codeFile, "code-file", "", "file holding the authorization code from the redirect, or - to read it from stdin (default: WORKBOARD_OAUTH_CODE)")
	fl.StringVar(&code, "code", "", "authorization code as a flag value (visible in process listings: prefer --code-file or WORKBOARD_OAUTH_CODE)")
	fl.StringVar(&redirectURI, "redirect-uri", "", "redirect URI registered for the app")
	fl.StringVar(&state, "state", "", "state value sent with the authorization request")
	fl.StringVar(&out, "out", "", "file to write the access token to (created with mode 0600)")
	fl.StringVar(&tokenURL, "token-url", "", "token endpoint (default https://www.myworkboard.com/wb/oauth/token, or the EU host with --region eu)")
	fl.StringVar(&region, "region", "us", "WorkBoard data centre: us or eu")
	log.register(cmd)
	return cmd
}

// readCode reads the authorization code from path, or from stdin when path is "-" (at most
// workboard.MaxTokenFileBytes, surrounding whitespace trimmed).
func readCode(stdin io.Reader, path string) (string, error) {
	if path != "-" {
		c, _, err := workboard.ReadTokenFile(path)
		return c, err
	}
	b, err := io.ReadAll(io.LimitReader(stdin, workboard.MaxTokenFileBytes+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("stdin: %w", err)
	case len(b) > workboard.MaxTokenFileBytes:
		return "", fmt.Errorf("stdin holds more than %d bytes; it must hold only the code", workboard.MaxTokenFileBytes)
	}
	return strings.TrimSpace(string(b)), nil
}

// writeSecretFile writes data to path with mode 0600 atomically (temp file + rename), so the
// secret is never readable by others, even briefly.
func writeSecretFile(path, data string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".wbexport-token-*")
	if err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("--out %s: %w", path, err)
	}
	_, werr := f.WriteString(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	return nil
}
