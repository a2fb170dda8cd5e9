"""Volunteer organisations (志愿服务组织): they serve districts, have their own
administrators (role `org_admin`, scoped to one organisation) and own teams."""
