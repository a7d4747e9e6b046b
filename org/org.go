// Package org names the organisations ecowatch addresses: the ecological-environment bureau
// (生态环境局 / 厅) and the people's government (人民政府) of each jurisdiction, the ministry,
// and the basin supervision bureaus, with the line of supervision between levels.
//
// Organisations are identified by the GB/T 2260 code of their jurisdiction ("000000" for the
// ministry); names are derived from the region table. It does no I/O.
package org

import (
	"github.com/ecowatch/ecowatch/region"
)

// MinistryCode identifies 生态环境部.
const MinistryCode = region.NationCode

// Roles of a recipient (warnings.v1).
const (
	RoleBureau      = "bureau"
	RoleGovernment  = "government"
	RoleBasinBureau = "basin_bureau"
)

// Org is one organisation.
type Org struct {
	Code string // jurisdiction code; MinistryCode for the ministry; a basin id for a basin bureau
	Name string // full Chinese name
	Role string
}

// Directory derives organisations from the region table.
type Directory struct {
	regions *region.Table
}

// New returns a directory over the region table.
func New(regions *region.Table) *Directory { return &Directory{regions: regions} }

// Ministry is 生态环境部.
func Ministry() Org { return Org{Code: MinistryCode, Name: "生态环境部", Role: RoleBureau} }

// Jurisdiction maps a code to the jurisdiction that has a bureau: placeholder prefectures
// (市辖区 of a municipality, 省直辖县级行政区划) belong to their province.
func (d *Directory) Jurisdiction(code string) (region.Division, bool) {
	div, ok := d.regions.Lookup(code)
	if !ok {
		return region.Division{}, false
	}
	if div.Level == region.Prefecture && div.Placeholder() {
		return d.regions.Lookup(div.Parent)
	}
	return div, true
}

// Bureau is the ecological-environment authority of the jurisdiction of code: 生态环境厅 of a
// province, 生态环境局 of a municipality, prefecture or county. Unknown codes give the ministry
// (the caller validated the code at ingest; this keeps a notice addressable).
func (d *Directory) Bureau(code string) Org {
	if code == MinistryCode {
		return Ministry()
	}
	j, ok := d.Jurisdiction(code)
	if !ok {
		return Ministry()
	}
	suffix := "生态环境局"
	if j.Level == region.Province && !j.Municipality() {
		suffix = "生态环境厅"
	}
	return Org{Code: j.Code, Name: d.regions.FullName(j.Code) + suffix, Role: RoleBureau}
}

// Government is the people's government of the jurisdiction of code.
func (d *Directory) Government(code string) Org {
	j, ok := d.Jurisdiction(code)
	if !ok {
		return Org{Code: MinistryCode, Name: "国务院", Role: RoleGovernment}
	}
	return Org{Code: j.Code, Name: d.regions.FullName(j.Code) + "人民政府", Role: RoleGovernment}
}

// Above is the bureau one level up the line of supervision from the bureau of code: county →
// prefecture (or the province where the prefecture is a placeholder), prefecture → province,
// province → ministry.
func (d *Directory) Above(code string) Org {
	j, ok := d.Jurisdiction(code)
	if !ok || j.Level == region.Province || code == MinistryCode {
		return Ministry()
	}
	return d.Bureau(j.Parent)
}
