package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// cloudRunJob is the part of a Cloud Run Job (run.googleapis.com/v1) that deploy/cloudrun
// sets.
type cloudRunJob struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		Template struct {
			Spec struct {
				Parallelism int `yaml:"parallelism"`
				TaskCount   int `yaml:"taskCount"`
				Template    struct {
					Spec struct {
						ServiceAccountName string `yaml:"serviceAccountName"`
						TimeoutSeconds     int    `yaml:"timeoutSeconds"`
						MaxRetries         *int   `yaml:"maxRetries"`
						Containers         []struct {
							Name  string   `yaml:"name"`
							Image string   `yaml:"image"`
							Args  []string `yaml:"args"`
							Env   []struct {
								Name  string `yaml:"name"`
								Value string `yaml:"value"`
							} `yaml:"env"`
							Resources struct {
								Limits map[string]string `yaml:"limits"`
							} `yaml:"resources"`
							VolumeMounts []struct {
								Name      string `yaml:"name"`
								MountPath string `yaml:"mountPath"`
							} `yaml:"volumeMounts"`
						} `yaml:"containers"`
						Volumes []struct {
							Name   string `yaml:"name"`
							Secret *struct {
								SecretName string `yaml:"secretName"`
								Items      []struct {
									Key  string `yaml:"key"`
									Path string `yaml:"path"`
								} `yaml:"items"`
							} `yaml:"secret"`
						} `yaml:"volumes"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// TestCloudRunJob checks deploy/cloudrun/job.yaml: a Cloud Run Job of one task running the
// image's `wbexport run` with gcp logs, every argument and WBEXPORT_* variable a flag of `run`
// with a valid value, the token a file of a mounted Secret Manager secret, and a task timeout and
// memory in Cloud Run's bounds. Unknown YAML keys fail the test (a misspelt key would be ignored
// by nothing but Cloud Run).
func TestCloudRunJob(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "cloudrun", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var job cloudRunJob
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("job.yaml: %v", err)
	}
	if job.APIVersion != "run.googleapis.com/v1" || job.Kind != "Job" || job.Metadata.Name == "" || job.Metadata.Labels["cloud.googleapis.com/location"] == "" {
		t.Errorf("not a Cloud Run Job with a name and location: %s %s %q %v", job.APIVersion, job.Kind, job.Metadata.Name, job.Metadata.Labels)
	}
	exec := job.Spec.Template.Spec
	if exec.TaskCount != 1 || exec.Parallelism != 1 {
		t.Errorf("taskCount %d parallelism %d: an export is one task", exec.TaskCount, exec.Parallelism)
	}
	task := exec.Template.Spec
	if task.TimeoutSeconds < 600 || task.TimeoutSeconds > 168*3600 {
		t.Errorf("timeoutSeconds %d: want 600 .. 604800", task.TimeoutSeconds)
	}
	if task.MaxRetries == nil || *task.MaxRetries < 0 || *task.MaxRetries > 10 {
		t.Errorf("maxRetries %v: want 0..10, set explicitly", task.MaxRetries)
	}
	if task.ServiceAccountName == "" {
		t.Error("no service account: the job would run as the default compute account")
	}
	if len(task.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(task.Containers))
	}
	c := task.Containers[0]
	if !regexp.MustCompile(`^[A-Za-z0-9.-]+-docker\.pkg\.dev/[^/]+/[^/]+/wbexport:`).MatchString(c.Image) {
		t.Errorf("image %q is not an Artifact Registry wbexport image", c.Image)
	}
	if mem := c.Resources.Limits["memory"]; mem != "512Mi" && mem != "1Gi" {
		t.Errorf("memory limit %q", mem)
	}

	// The command line and the environment must be what `wbexport run` accepts.
	if len(c.Args) == 0 || c.Args[0] != "run" {
		t.Fatalf("args %q do not start with run", c.Args)
	}
	args := append([]string{}, c.Args[1:]...)
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		name, ok := strings.CutPrefix(e.Name, envPrefix)
		if !ok {
			t.Errorf("env %s is not a WBEXPORT_ variable", e.Name)
			continue
		}
		args = append(args, "--"+strings.ToLower(strings.ReplaceAll(name, "_", "-")), e.Value)
	}
	cmd := newRunCmd()
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("wbexport run %q: %v", args, err)
	}
	var sf sinkFlags // the sink's validation, as runExport does it
	sc := &cobra.Command{}
	sc.FParseErrWhitelist.UnknownFlags = true
	sf.register(sc, sinkWrite)
	if err := sc.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	if err := sf.validate(); err != nil {
		t.Errorf("the sink flags %q: %v", args, err)
	}
	if v, _ := cmd.Flags().GetString("log-format"); v != "gcp" {
		t.Errorf("--log-format %q: Cloud Logging needs gcp", v)
	}
	if v, _ := cmd.Flags().GetString("snapshot-date"); v != "" {
		t.Errorf("--snapshot-date %q: a nightly job exports today", v)
	}

	// The token: a file of a mounted Secret Manager secret.
	tokenFile := env["WBEXPORT_TOKEN_FILE"]
	found := false
	for _, m := range c.VolumeMounts {
		for _, v := range task.Volumes {
			if v.Name != m.Name || v.Secret == nil || v.Secret.SecretName == "" {
				continue
			}
			for _, it := range v.Secret.Items {
				if filepath.Join(m.MountPath, it.Path) == tokenFile && it.Key != "" {
					found = true
				}
			}
		}
	}
	if !found {
		t.Errorf("WBEXPORT_TOKEN_FILE %q is not a file of a mounted secret volume", tokenFile)
	}
}

// TestAirflowDAGCommand checks that the command line the Airflow DAG runs is one `wbexport run`
// accepts (the DAG itself runs in real Airflow in make test-airflow).
func TestAirflowDAGCommand(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "airflow", "wbexport_dag.py"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`bash_command=f"\{WBEXPORT\} run ([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no bash_command in the DAG")
	}
	line := strings.ReplaceAll(string(m[1]), "{{{{ ds }}}}", "2026-12-06")
	cmd := newRunCmd()
	if err := cmd.ParseFlags(strings.Fields(line)); err != nil {
		t.Fatalf("wbexport run %s: %v", line, err)
	}
	if v, _ := cmd.Flags().GetString("snapshot-date"); v != "2026-12-06" {
		t.Errorf("--snapshot-date is %q, want the templated {{ ds }}", v)
	}
}
