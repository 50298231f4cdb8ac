package pgprobe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/probes/pgtest"
)

// TestVerifyFullWithOwnCA: PGSSLMODE=verify-full with PGSSLROOTCERT naming a
// self-made CA connects over TLS to a server whose certificate that CA
// signed, and refuses a server it did not sign. Before, memtui wrote
// an empty sslrootcert over the variable and verify-full could not work at all.
func TestVerifyFullWithOwnCA(t *testing.T) {
	dir, err := os.MkdirTemp("", "memtui-tls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The server may run as another user (pgtest drops root): it must reach
	// the certificate files.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ca, caKey := newCert(t, nil, nil, true)
	other, _ := newCert(t, nil, nil, true)
	srvCert, srvKey := newCert(t, ca, caKey, false)
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caPath := write("ca.crt", pemOf("CERTIFICATE", ca.Raw), 0o644)
	otherPath := write("other-ca.crt", pemOf("CERTIFICATE", other.Raw), 0o644)
	certPath := write("server.crt", pemOf("CERTIFICATE", srvCert.Raw), 0o644)
	der, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := write("server.key", pemOf("EC PRIVATE KEY", der), 0o600)
	if os.Geteuid() == 0 {
		// The same user pgtest runs the server as; PostgreSQL wants its key
		// owned by itself and private.
		for _, name := range []string{"postgres", "nobody"} {
			if u, err := user.Lookup(name); err == nil {
				uid, _ := strconv.Atoi(u.Uid)
				gid, _ := strconv.Atoi(u.Gid)
				if err := os.Chown(keyPath, uid, gid); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
	}
	srv := pgtest.Start(t, pgtest.Setting("ssl", "on"), pgtest.Setting("ssl_cert_file", certPath), pgtest.Setting("ssl_key_file", keyPath))
	env := func(root string) map[string]string {
		return map[string]string{
			"PGHOST": "127.0.0.1", "PGPORT": strconv.Itoa(srv.Port()), "PGUSER": srv.User(),
			"PGPASSWORD": srv.Password(), "PGDATABASE": "postgres",
			"PGSSLMODE": "verify-full", "PGSSLROOTCERT": root,
		}
	}
	connect := func(root string) (*pgconn.PgConn, error) {
		tg, err := ResolvePGTarget("", env(root))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := ConnConfig(tg, 5*time.Second, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return pgconn.ConnectConfig(ctx, cfg)
	}
	conn, err := connect(caPath)
	if err != nil {
		t.Fatalf("verify-full with the signing CA: %v", err)
	}
	defer conn.Close(context.Background())
	res := conn.ExecParams(context.Background(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Rows) != 1 || string(res.Rows[0][0]) != "t" {
		t.Error("connected without TLS")
	}
	if c, err := connect(otherPath); err == nil {
		c.Close(context.Background())
		t.Error("verify-full accepted a server the given CA did not sign")
	}
}

// newCert makes a CA (isCA) or a server certificate for 127.0.0.1 signed by
// parent, with a fresh P-256 key.
func newCert(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "memtui test CA"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		parent, parentKey = tmpl, key
	} else {
		tmpl.Subject.CommonName = "127.0.0.1"
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func pemOf(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
