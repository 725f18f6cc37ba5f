// Command render renders a Helm chart the way `helm template` does, for the chart tests (test/deploy/), where no helm
// binary can be installed: Go's text/template with Sprig's functions and Helm's own (include, tpl, required, toYaml,
// fromYaml, toJson, fromJson, lookup), .Values from values.yaml coalesced with -f files, .Release, .Chart from
// Chart.yaml, .Capabilities and .Template; missing keys render empty; partials (_*.tpl) are defined, not rendered.
// Built in GOPATH mode against Debian's packages (golang-go, golang-github-masterminds-sprig-dev,
// golang-gopkg-yaml.v2-dev): GO111MODULE=off GOPATH=/usr/share/gocode go build -o render main.go
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var valueFiles fileList
	releaseName := flag.String("name", "release-name", "release name (.Release.Name)")
	namespace := flag.String("namespace", "default", "namespace (.Release.Namespace)")
	flag.Var(&valueFiles, "f", "values file coalesced over the chart's values.yaml (repeatable, later wins)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: render [-name NAME] [-namespace NS] [-f values.yaml]... CHART_DIR")
		os.Exit(2)
	}
	out, err := render(flag.Arg(0), *releaseName, *namespace, valueFiles)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

func render(chartDir, releaseName, namespace string, valueFiles []string) (string, error) {
	meta, err := loadChart(chartDir)
	if err != nil {
		return "", err
	}
	chartName := meta["Name"].(string)
	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"), true)
	if err != nil {
		return "", err
	}
	for _, file := range valueFiles {
		override, err := readYAMLMap(file, false)
		if err != nil {
			return "", err
		}
		values = coalesce(override, values)
	}
	top := map[string]interface{}{
		"Values":       values,
		"Chart":        meta,
		"Release":      map[string]interface{}{"Name": releaseName, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Capabilities": capabilities{KubeVersion: kubeVersion{Version: "v1.31.0", Major: "1", Minor: "31", GitVersion: "v1.31.0"}, APIVersions: defaultAPIVersions, HelmVersion: map[string]string{"Version": "v3.16.0"}},
	}

	// every file under templates/ joins one template set, named as Helm names them: <chart>/templates/<file>
	sources := map[string]string{}
	err = filepath.Walk(filepath.Join(chartDir, "templates"), func(file string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, file)
		text, err := os.ReadFile(file)
		sources[path.Join(chartName, filepath.ToSlash(rel))] = string(text)
		return err
	})
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(sources))
	for name := range sources {
		names = append(names, name)
	}
	sort.Strings(names)

	root := template.New("gotpl").Option("missingkey=zero")
	root.Funcs(funcMap(root))
	for _, name := range names {
		if _, err := root.New(name).Parse(sources[name]); err != nil {
			return "", fmt.Errorf("parse error in %s: %w", name, err)
		}
	}

	type manifest struct{ source, kind, body string }
	var manifests []manifest
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		vals := map[string]interface{}{}
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": name, "BasePath": path.Join(chartName, "templates")}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, vals); err != nil {
			return "", cleanExecError(err)
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		if path.Ext(base) == ".txt" || !(strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".json")) {
			continue // NOTES.txt and other non-manifests are rendered (errors count) but not output
		}
		for _, doc := range splitManifests(rendered) {
			var head struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return "", fmt.Errorf("YAML parse error on %s: %w", name, err)
			}
			if head.Kind == "" {
				return "", fmt.Errorf("%s: object has no kind", name)
			}
			manifests = append(manifests, manifest{name, head.Kind, doc})
		}
	}
	// helm prints manifests in its install order (by kind), keeping file order within a kind
	sort.SliceStable(manifests, func(i, j int) bool { return kindRank(manifests[i].kind) < kindRank(manifests[j].kind) })
	var out strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.source, m.body)
	}
	return out.String(), nil
}

// loadChart reads Chart.yaml into the fields Helm exposes as .Chart (Name, Version, AppVersion, ...).
func loadChart(chartDir string) (map[string]interface{}, error) {
	raw, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"), false)
	if err != nil {
		return nil, err
	}
	if raw["apiVersion"] != "v2" {
		return nil, errors.New("Chart.yaml: apiVersion must be v2")
	}
	for _, key := range []string{"name", "version"} {
		if s, _ := raw[key].(string); s == "" {
			return nil, fmt.Errorf("Chart.yaml: %s is required", key)
		}
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`).MatchString(raw["version"].(string)) {
		return nil, errors.New("Chart.yaml: version must be SemVer 2")
	}
	meta := map[string]interface{}{}
	for key, value := range raw {
		switch key {
		case "apiVersion":
			meta["APIVersion"] = value
		case "kubeVersion":
			meta["KubeVersion"] = value
		default:
			meta[strings.ToUpper(key[:1])+key[1:]] = value
		}
	}
	return meta, nil
}

// readYAMLMap parses YAML as Helm does (sigs.k8s.io/yaml: YAML -> JSON -> Go), so numbers become float64.
func readYAMLMap(file string, optional bool) (map[string]interface{}, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		if optional && os.IsNotExist(err) {
			return map[string]interface{}{}, nil
		}
		return nil, err
	}
	var parsed map[string]interface{}
	if err := yamlToJSONValue(text, &parsed); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if parsed == nil {
		parsed = map[string]interface{}{}
	}
	return parsed, nil
}

func yamlToJSONValue(text []byte, target interface{}) error {
	var raw interface{}
	if err := yaml.Unmarshal(text, &raw); err != nil {
		return err
	}
	converted, err := jsonCompatible(raw)
	if err != nil {
		return err
	}
	data, err := json.Marshal(converted)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, target)
}

func jsonCompatible(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			c, err := jsonCompatible(val)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = c
		}
		return out, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			c, err := jsonCompatible(val)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

// coalesce merges dst (the override) over src (the defaults) as Helm's CoalesceTables does; a null removes a key.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range src {
		out[k] = v
	}
	for k, v := range dst {
		if v == nil {
			delete(out, k)
			continue
		}
		dstMap, dstIsMap := v.(map[string]interface{})
		srcMap, srcIsMap := out[k].(map[string]interface{})
		if dstIsMap && srcIsMap {
			out[k] = coalesce(dstMap, srcMap)
		} else {
			out[k] = v
		}
	}
	return out
}

func toYAML(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var generic interface{}
	if err := yaml.Unmarshal(data, &generic); err != nil {
		return ""
	}
	out, err := yaml.Marshal(generic)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func funcMap(root *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	included := map[string]int{}
	f["toYaml"] = toYAML
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yamlToJSONValue([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := yamlToJSONValue([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["include"] = func(name string, data interface{}) (string, error) {
		if included[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var buf strings.Builder
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, vals interface{}) (string, error) {
		clone, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warn)
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warn)
		}
		return val, nil
	}
	// no cluster here: lookup finds nothing, as under `helm template`
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}

// cleanExecError keeps the message a chart author reads (e.g. from `required` or `fail`), as Helm does.
func cleanExecError(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, "error calling "); i >= 0 {
		rest := msg[i:]
		if j := strings.Index(rest, ": "); j >= 0 {
			return fmt.Errorf("execution error at (%s): %s", firstLocation(msg), rest[j+2:])
		}
	}
	return err
}

func firstLocation(msg string) string {
	m := regexp.MustCompile(`template: ([^:]+:\d+:\d+)`).FindStringSubmatch(msg)
	if m == nil {
		return "?"
	}
	return m[1]
}

var separator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// splitManifests splits a rendered file into its YAML documents, dropping the empty ones (as releaseutil does).
func splitManifests(text string) []string {
	var docs []string
	for _, part := range separator.Split(text, -1) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		docs = append(docs, strings.TrimSpace(part))
	}
	return docs
}

var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
	"ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
	"StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

type kubeVersion struct{ Version, Major, Minor, GitVersion string }

func (k kubeVersion) String() string { return k.Version }

type apiVersions []string

// Has answers .Capabilities.APIVersions.Has "policy/v1" as Helm's default capabilities do.
func (a apiVersions) Has(version string) bool {
	for _, v := range a {
		if v == version {
			return true
		}
	}
	return false
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
	HelmVersion map[string]string
}

var defaultAPIVersions = apiVersions{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1",
	"apps/v1/Deployment", "policy/v1/PodDisruptionBudget", "v1/Service", "v1/Secret", "v1/ServiceAccount",
}
